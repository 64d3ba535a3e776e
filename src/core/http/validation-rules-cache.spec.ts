import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, validateSync, ValidateNested } from 'class-validator';
import { cacheValidationRules } from './validation-rules-cache';

class PartDto {
  @IsIn(['text', 'file']) type!: string;
  @IsOptional() @IsString() text?: string;
}

class BaseDto {
  @IsString() name!: string;
}

class PromptDto extends BaseDto {
  @ValidateNested({ each: true }) @Type(() => PartDto) parts!: PartDto[];
  @IsOptional() @IsInt() @Max(10) count?: number;
}

const inputs = [
  { name: 'ok', parts: [{ type: 'text', text: 'hi' }] },
  { name: 3, parts: [{ type: 'image' }, { type: 'text', text: 4 }], count: 11, extra: true },
  { parts: 'no' },
];

/** Validation as the app's pipe runs it (whitelist), errors flattened to what a caller would read. */
function errorsOf(cls: new () => object, plain: object): string[] {
  const flatten = (errors: ReturnType<typeof validateSync>, at = ''): string[] =>
    errors.flatMap((e) => [
      ...Object.values(e.constraints ?? {}).map((m) => `${at}${e.property}: ${m}`),
      ...flatten(e.children ?? [], `${at}${e.property}.`),
    ]);
  return flatten(validateSync(plainToInstance(cls, plain), { whitelist: true, forbidUnknownValues: false })).sort();
}

describe('cacheValidationRules', () => {
  it('gives the same errors as class-validator uncached, again and again, inherited and nested rules included', () => {
    const before = inputs.map((i) => errorsOf(PromptDto, i));
    expect(before[0]).toEqual([]);
    expect(before[1].length).toBeGreaterThan(3);
    cacheValidationRules();
    cacheValidationRules(); // once only
    for (let round = 0; round < 3; round++) expect(inputs.map((i) => errorsOf(PromptDto, i))).toEqual(before);
  });

  it('sees a rule added after the first validations (what was kept is cleared)', () => {
    cacheValidationRules();
    class LateDto {
      @IsString() name!: string;
    }
    expect(errorsOf(LateDto, { name: 'n' })).toEqual([]);
    IsInt()(LateDto.prototype, 'size'); // a decorator applied at run time, after the class was validated
    expect(errorsOf(LateDto, { name: 'n' })).toEqual(['size: size must be an integer number']);
    class LaterDto extends BaseDto {
      @IsInt() size!: number;
    }
    expect(errorsOf(LaterDto, {})).toEqual(['name: name must be a string', 'size: size must be an integer number']);
  });
});
