import { HttpService } from '@nestjs/axios';
import { Controller, Get } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';

/** Calls the platform's API. No token code: the module's HttpService adds it. */
@Controller('books')
export class BooksController {
  constructor(private readonly http: HttpService) {}

  @Get()
  async list(): Promise<unknown> {
    const response = await firstValueFrom(this.http.get('/api/books'));
    return response.data;
  }
}
