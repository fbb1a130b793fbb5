import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** Every list route pages the same way (`?limit&offset`), with these bounds. */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
export const MAX_PAGE_OFFSET = 1_000_000;
const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}`;
const OFFSET_MESSAGE = `offset must be an integer from 0 to ${MAX_PAGE_OFFSET}`;

/** A query value of decimal digits as a number; anything else (`1e20`, `0x10`, ` 5`) stays a string and fails @IsInt. */
const decimalInteger = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value));

/** `?limit&offset` of a list route; what is left out takes its default. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @decimalInteger()
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_PAGE_LIMIT, { message: LIMIT_MESSAGE })
  limit: number = DEFAULT_PAGE_LIMIT;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_PAGE_OFFSET, default: 0 })
  @decimalInteger()
  @IsInt({ message: OFFSET_MESSAGE })
  @Min(0, { message: OFFSET_MESSAGE })
  @Max(MAX_PAGE_OFFSET, { message: OFFSET_MESSAGE })
  offset: number = 0;
}

/** The 400s of a bad `?limit&offset` (validation answers, one message per field). */
export const PAGE_QUERY_ERRORS = [[LIMIT_MESSAGE], [OFFSET_MESSAGE]] as const;

/** The answer of every list route: one page of items, how many there are in all, and the page asked for. */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** The OpenAPI schema of a page; each list's response class adds its typed `items`. */
export abstract class PageResponse {
  @ApiProperty({ type: 'integer', description: 'How many there are in all' }) total: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT }) limit: number;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_PAGE_OFFSET }) offset: number;
}
