import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
  UseGuards,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import {
  HUB_REJECTED_ROUTE,
  HUB_TOKEN_ROUTE,
  type HubTokenAnswer,
} from '../sources/hub-protocol.js';
import { consumerOf, HubApiKeyGuard } from './hub-api-key.guard.js';
import { hubOpenApiDocument } from './hub-openapi.js';
import { TokenHubService } from './token-hub.service.js';

/**
 * The hub's routes under `path`: `GET token` hands out the current token, `POST token/rejected`
 * refreshes it if a consumer reports that very token as rejected and it is old enough (what
 * they do is `TokenHubService`'s). The controller class is made per path, because Nest reads a
 * controller's path from its decorator.
 */
export function createTokenHubController(path: string): Type<unknown> {
  @Controller(path)
  @UseGuards(HubApiKeyGuard)
  class FandengTokenHubController implements OnModuleInit {
    constructor(@Inject(TokenHubService) private readonly hub: TokenHubService) {}

    onModuleInit(): void {
      this.hub.attach(path);
    }

    @Get(HUB_TOKEN_ROUTE)
    @Header('Cache-Control', 'no-store')
    current(
      @Req() request: unknown,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<HubTokenAnswer> {
      return this.hub.current(response, consumerOf(request));
    }

    @Post(HUB_REJECTED_ROUTE)
    @HttpCode(HttpStatus.OK)
    @Header('Cache-Control', 'no-store')
    rejected(
      @Body() body: unknown,
      @Req() request: unknown,
      @Res({ passthrough: true }) response: unknown,
    ): Promise<HubTokenAnswer> {
      return this.hub.rejected(body, response, consumerOf(request));
    }
  }
  return FandengTokenHubController;
}

/** `GET {path}/openapi.json`: the protocol's OpenAPI 3.1 document, no key needed (it holds no secret). */
export function createTokenHubOpenApiController(path: string): Type<unknown> {
  const document = hubOpenApiDocument(path);
  @Controller(path)
  class FandengTokenHubOpenApiController {
    @Get('openapi.json')
    openApi(): Record<string, unknown> {
      return document;
    }
  }
  return FandengTokenHubOpenApiController;
}
