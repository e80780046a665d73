// The clients the bench drives, each behind one small interface:
//   { request(): Promise<number>  (HTTP status of GET /api/books; throws only on a network error)
//     getToken?(): Promise<string> (the client's own "give me the token" call, where it has one)
//     close(): Promise<void> }
// Every client talks to the emulator at `url` (127.0.0.1). Peers that need a standard RFC 6749
// token answer are pointed at an emulator started with `responseFormat: 'rfc6749'`.
import 'reflect-metadata';
import http from 'node:http';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { clientCredentials } from 'axios-oauth-client';
import tokenInterceptor from 'axios-token-interceptor';
import { createAuthRefresh } from 'axios-auth-refresh';
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import * as auth from '../dist/libs/fandeng-auth/index.js';

export const CLIENT_ID = 'bench-client';
export const CLIENT_SECRET = 'bench-secret';
const API = '/api/books';

/** Which emulator format each client needs. */
export const FORMAT = {
  plain: 'fandeng',
  fandeng: 'fandeng',
  'plain-fetch': 'rfc6749',
  'oauth-client': 'rfc6749',
  'oauth2-fetch': 'rfc6749',
  'auth-refresh': 'fandeng',
  naive: 'fandeng',
};

/** The documented token call: POST with the credentials in the query string. */
export function tokenUrl(base) {
  return `${base}/oauth/token?grant_type=client_credentials&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`;
}

/** Status of an axios call; HTTP errors become their status, network errors are thrown. */
async function statusOf(promise) {
  try {
    return (await promise).status;
  } catch (error) {
    if (error?.response?.status !== undefined) return error.response.status;
    throw error;
  }
}

/** Fetches one token with a plain axios call (used by `plain` and `naive`). */
// A fresh connection per token call: a kept-alive socket the emulator has just closed would
// fail the call with ECONNRESET between two figures.
const noKeepAlive = new http.Agent({ keepAlive: false });

export async function fetchToken(base) {
  const res = await axios.post(tokenUrl(base), undefined, {
    timeout: 10_000,
    httpAgent: noKeepAlive,
  });
  return res.data.value ?? res.data.access_token;
}

export async function createClient(name, url, extra = {}) {
  switch (name) {
    case 'plain': {
      // The floor: @nestjs/axios HttpService with a fixed, hard-coded header.
      const token = extra.token ?? (await fetchToken(url));
      const http = new HttpService(axios.create({ baseURL: url }));
      const headers = { Authorization: `Bearer ${token}` };
      return {
        request: () => statusOf(http.axiosRef.get(API, { headers })),
        close: async () => undefined,
      };
    }
    case 'fandeng': {
      const app = await NestFactory.createApplicationContext(
        auth.FandengAuthModule.forRoot({
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          baseUrl: url,
          logger: false,
          ...(extra.moduleOptions ?? {}),
        }),
        { logger: false },
      );
      const http = app.get(HttpService);
      const tokens = app.get(auth.TokenService);
      return {
        request: () => statusOf(http.axiosRef.get(API)),
        getToken: () => tokens.getAccessToken(),
        tokens,
        http,
        fetch: app.get(auth.FandengFetch),
        close: () => app.close(),
      };
    }
    case 'plain-fetch': {
      // The floor of fetch-based clients (OAuth2Fetch uses the global fetch, not axios).
      const token = extra.token ?? (await fetchToken(url));
      const headers = { Authorization: `Bearer ${token}` };
      return {
        request: async () => {
          const res = await fetch(url + API, { headers });
          await res.arrayBuffer();
          return res.status;
        },
        close: async () => undefined,
      };
    }
    case 'oauth-client': {
      // axios-oauth-client sends the credentials in a form body; the platform (and the emulator)
      // reads them from the query, so they go in both. The answer is RFC 6749 shaped.
      const getCredentials = clientCredentials(
        axios.create(),
        tokenUrl(url),
        CLIENT_ID,
        CLIENT_SECRET,
      );
      const cache = tokenInterceptor.tokenCache(() => getCredentials(), {
        getMaxAge: (body) => body.expires_in * 1000,
      });
      const instance = axios.create({ baseURL: url });
      instance.interceptors.request.use(
        tokenInterceptor({
          getToken: cache,
          headerFormatter: (body) => `Bearer ${body.access_token}`,
        }),
      );
      return {
        request: () => statusOf(instance.get(API)),
        getToken: async () => (await cache()).access_token,
        close: async () => undefined,
      };
    }
    case 'oauth2-fetch': {
      const client = new OAuth2Client({
        server: url,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        // Credentials in the query as the platform wants; client_secret_post adds them to the body.
        tokenEndpoint: tokenUrl(url),
        authenticationMethod: 'client_secret_post',
      });
      const wrapper = new OAuth2Fetch({
        client,
        getNewToken: () => client.clientCredentials(),
        onError: () => undefined,
      });
      return {
        request: async () => {
          const res = await wrapper.fetch(url + API);
          await res.arrayBuffer();
          return res.status;
        },
        getToken: () => wrapper.getAccessToken(),
        close: async () => undefined,
      };
    }
    case 'auth-refresh': {
      // Reactive only: no token until the first 401, then one shared refresh, then a replay.
      let token;
      const instance = axios.create({ baseURL: url });
      instance.interceptors.request.use((config) => {
        if (token !== undefined) config.headers.Authorization = `Bearer ${token}`;
        return config;
      });
      createAuthRefresh(instance, async (failed) => {
        token = await fetchToken(url);
        failed.response.config.headers.Authorization = `Bearer ${token}`;
      });
      return {
        request: () => statusOf(instance.get(API)),
        close: async () => undefined,
      };
    }
    case 'naive': {
      // A token before every request: what the platform's daily limit is there to stop.
      const http = new HttpService(axios.create({ baseURL: url }));
      return {
        request: async () => {
          const token = await fetchToken(url);
          return statusOf(
            http.axiosRef.get(API, { headers: { Authorization: `Bearer ${token}` } }),
          );
        },
        getToken: () => fetchToken(url),
        close: async () => undefined,
      };
    }
    default:
      throw new Error(`unknown client ${name}`);
  }
}

/** Counts of business calls: ok, 401s that reached the caller, and other failures by reason. */
export function newCallCounts() {
  return { ok: 0, unauthorized: 0, failed: 0, reasons: {} };
}

/** `GET /api/books` through a Nest `HttpService`, counted into `counts`. */
export async function countedCall(http, counts) {
  try {
    await http.axiosRef.get('/api/books');
    counts.ok++;
  } catch (error) {
    const status = error?.response?.status;
    if (status === 401) counts.unauthorized++;
    else {
      counts.failed++;
      const reason = status !== undefined ? `HTTP ${status}` : String(error?.code ?? error?.name);
      counts.reasons[reason] = (counts.reasons[reason] ?? 0) + 1;
    }
  }
}
