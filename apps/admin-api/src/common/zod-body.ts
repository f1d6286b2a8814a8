import { BadRequestException, type PipeTransform, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

/** JSON Schema of a zod schema for the OpenAPI document (one source of truth for validation and docs). */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return jsonSchema;
}

/** Validates with zod; a 400 names every offending field. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.output<T> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    throw new BadRequestException({
      error: 'invalid_request',
      message: result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      issues: result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
    });
  }
}

export const ApiZodBody = (schema: z.ZodType) => applyDecorators(ApiBody({ schema: openApiSchema(schema) }));

export const ApiZodQuery = (schema: z.ZodObject) =>
  applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) =>
      ApiQuery({ name, required: !(field as z.ZodType).safeParse(undefined).success, schema: openApiSchema(field as z.ZodType) }),
    ),
  );
