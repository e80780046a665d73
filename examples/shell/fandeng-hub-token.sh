#!/usr/bin/env bash
# A consumer of the nestjs-fandeng-auth token hub in plain shell (curl + jq): prints the current
# token, cached in a file until the hub renews it (renewsInSeconds). After a 401 from the platform,
# `fandeng-hub-token.sh --rejected "$TOKEN"` reports it to the hub by digest and prints the new one.
#
#   curl -H "Authorization: Bearer $(HUB_URL=... HUB_API_KEY=... fandeng-hub-token.sh)" https://...
#
# HUB_URL, HUB_API_KEY: required. HUB_CACHE: the cache file (default ~/.cache/fandeng-hub-token,
# made readable by its owner only). HUB_MAX_WAIT_SECONDS: the longest wait for a Retry-After (30).
set -euo pipefail

: "${HUB_URL:?set HUB_URL}" "${HUB_API_KEY:?set HUB_API_KEY}"
cache="${HUB_CACHE:-${HOME}/.cache/fandeng-hub-token}"
max_wait="${HUB_MAX_WAIT_SECONDS:-30}"
url="${HUB_URL%/}"

ask() { # ask METHOD ROUTE [BODY]: prints the 200 answer; retries a 5xx or no answer, 4 attempts
  local attempt status wait headers body
  headers="$(mktemp)"; body="$(mktemp)"
  trap 'rm -f "$headers" "$body"' RETURN
  for attempt in 1 2 3 4; do
    # The key goes in a header read from stdin, so it never shows in `ps`.
    status="$(printf 'Authorization: Bearer %s\n' "$HUB_API_KEY" | curl -sS -o "$body" -D "$headers" \
      -w '%{http_code}' -X "$1" -H @- -H 'Content-Type: application/json' \
      ${3:+--data "$3"} --max-time 10 "$url$2" || true)"
    case "$status" in
      200) cat "$body"; return 0 ;;
      401 | 403 | 429) echo "the hub refused the API key (HTTP $status)" >&2; return 2 ;;
      5?? | 000) ;;
      *) echo "the hub answered HTTP $status" >&2; return 1 ;;
    esac
    [ "$attempt" = 4 ] && break
    wait="$(tr -d '\r' < "$headers" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }')"
    wait="${wait:-$attempt}"
    sleep "$(( wait < max_wait ? wait : max_wait ))"
  done
  echo "the hub had no token after 4 attempts (HTTP $status)" >&2
  return 1
}

keep() { # keep ANSWER: writes the cache (value and the epoch second to renew at), prints the token
  local now renew
  now="$(date +%s)"
  renew="$(jq -r '[.renewsInSeconds // .expiresInSeconds, .expiresInSeconds] | min | floor' <<<"$1")"
  mkdir -p "$(dirname "$cache")"
  (umask 077 && jq -c --argjson at "$((now + renew))" '{value, renewAt: $at}' <<<"$1" > "$cache")
  jq -r .value <<<"$1"
}

if [ "${1:-}" = "--rejected" ]; then
  digest="$(printf %s "${2:?the rejected token}" | sha256sum | cut -d' ' -f1)"
  answer="$(ask POST /token/rejected "{\"digest\":\"$digest\"}")"
  keep "$answer"
  exit 0
fi
if [ -s "$cache" ] && [ "$(jq -r .renewAt "$cache")" -gt "$(date +%s)" ]; then
  jq -r .value "$cache"
  exit 0
fi
answer="$(ask GET /token)"
keep "$answer"
