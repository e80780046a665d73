import { Inject } from '@nestjs/common';
import {
  getFandengFetchToken,
  getFandengHealthIndicatorToken,
  getFandengHttpServiceToken,
  getTokenServiceToken,
} from './fandeng-auth.providers.js';

/** Injects the `TokenService` of the registration called `name` (the default one without). */
export const InjectTokenService = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getTokenServiceToken(name));

/** Injects the `FandengHttpService` of the registration called `name` (the default one without). */
export const InjectFandengHttpService = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getFandengHttpServiceToken(name));

/** Injects the `FandengHealthIndicator` of the registration called `name` (the default one without). */
export const InjectFandengHealthIndicator = (
  name?: string,
): PropertyDecorator & ParameterDecorator => Inject(getFandengHealthIndicatorToken(name));

/** Injects the `FandengFetch` of the registration called `name` (the default one without). */
export const InjectFandengFetch = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getFandengFetchToken(name));
