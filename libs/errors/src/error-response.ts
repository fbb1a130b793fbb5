import { ApiProperty } from '@nestjs/swagger';

/** The one error body every route answers with (SPEC section 3), and its OpenAPI schema. */
export class ErrorResponse {
  @ApiProperty({ example: 401 }) statusCode: number;
  @ApiProperty({ example: 'Unauthorized' }) error: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'One message, or one per invalid field',
    example: 'Token expired',
  })
  message: string | string[];
}
