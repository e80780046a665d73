#!/usr/bin/env python3
"""A consumer of the nestjs-fandeng-auth token hub, in Python with the standard library only.

    client = HubClient("http://token-hub.internal:3000/fandeng-token-hub", os.environ["HUB_API_KEY"])
    token = client.token()                 # cached until the hub renews it (renewsInSeconds)
    ... call the platform with "Authorization: Bearer " + token ...
    token = client.report_rejected(token)  # after a 401: the hub refreshes it (once for everyone)

The protocol: GET {url}/token and POST {url}/token/rejected with {"digest": sha256-hex of the
token}, each with "Authorization: Bearer <api key>". 200 answers carry value, tokenType,
expiresInSeconds, ageSeconds, renewsInSeconds; 503 means the hub has no token yet (wait for
Retry-After); 401 a wrong key; 429 too many wrong keys from this address.
"""
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.request


class HubError(Exception):
    """The hub refused (401, 429) or had no token after the retries (503), or was unreachable."""


class HubClient:
    def __init__(self, url, api_key, attempts=4, max_wait_seconds=30.0, timeout_seconds=10.0):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.attempts = attempts
        self.max_wait_seconds = max_wait_seconds
        self.timeout_seconds = timeout_seconds
        self.requests = 0  # HTTP requests made, for a caller that wants to see the cache work
        self._value = None
        self._renew_at = 0.0
        self._expires_at = 0.0

    def token(self):
        """The current token: the cached one until the hub renews it, else a fresh one."""
        now = time.monotonic()
        if self._value is not None and now < min(self._renew_at, self._expires_at):
            return self._value
        return self._fetch("GET", "/token", None)

    def report_rejected(self, value):
        """The platform answered 401 to `value`: tell the hub (by digest) and get the new token."""
        digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
        return self._fetch("POST", "/token/rejected", json.dumps({"digest": digest}).encode())

    def _fetch(self, method, route, body):
        delay = 0.5
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(self.url + route, data=body, method=method)
            request.add_header("Authorization", "Bearer " + self.api_key)
            request.add_header("Accept", "application/json")
            if body is not None:
                request.add_header("Content-Type", "application/json")
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    return self._keep(json.load(response))
            except urllib.error.HTTPError as error:
                if error.code in (401, 403, 429):
                    raise HubError("the hub refused the API key (HTTP %d)" % error.code) from None
                if error.code < 500 or attempt == self.attempts:
                    raise HubError("the hub answered HTTP %d" % error.code) from None
                wait = _seconds(error.headers.get("Retry-After"), delay)
            except (urllib.error.URLError, OSError) as error:
                if attempt == self.attempts:
                    raise HubError("the hub is unreachable (%s)" % type(error).__name__) from None
                wait = delay
            time.sleep(min(wait, self.max_wait_seconds))
            delay = min(delay * 2, self.max_wait_seconds)
        raise HubError("no token")  # not reached

    def _keep(self, answer):
        now = time.monotonic()
        self._value = answer["value"]
        self._expires_at = now + float(answer["expiresInSeconds"])
        renews = answer.get("renewsInSeconds")
        self._renew_at = now + float(renews) if renews is not None else self._expires_at
        return self._value


def _seconds(header, default):
    try:
        return max(0.0, float(header))
    except (TypeError, ValueError):
        return default


def main(argv):
    """HUB_URL, HUB_API_KEY; --calls N asks N times; --reject reports the token. Prints JSON."""
    client = HubClient(
        os.environ["HUB_URL"],
        os.environ["HUB_API_KEY"],
        max_wait_seconds=float(os.environ.get("HUB_MAX_WAIT_SECONDS", "30")),
    )
    calls = int(argv[argv.index("--calls") + 1]) if "--calls" in argv else 1
    try:
        for _ in range(calls):
            value = client.token()
        result = {"digest": hashlib.sha256(value.encode()).hexdigest()}
        if "--reject" in argv:
            replaced = client.report_rejected(value)
            result["replaced_digest"] = hashlib.sha256(replaced.encode()).hexdigest()
        result["requests"] = client.requests
    except HubError as error:
        print(json.dumps({"error": str(error), "requests": client.requests}))
        return 1
    print(json.dumps(result))  # the token's digest, never the token
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
