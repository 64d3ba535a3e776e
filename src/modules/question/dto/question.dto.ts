import { ArrayMaxSize, IsArray, ValidateBy, type ValidationOptions } from 'class-validator';

/** Every entry is an array of at most 50 strings of at most 2,000 characters. */
function IsLabelLists(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLabelLists',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) &&
          value.every(
            (answer) =>
              Array.isArray(answer) &&
              answer.length <= 50 &&
              answer.every((label) => typeof label === 'string' && label.length <= 2000),
          ),
        defaultMessage: () => 'answers must be an array of string arrays (one array of selected labels per question)',
      },
    },
    options,
  );
}

export class QuestionReplyDto {
  /** One array of selected labels (or typed answers) per question, in order. */
  @IsArray() @ArrayMaxSize(50) @IsLabelLists() answers!: string[][];
}

export class QuestionOptionDto {
  label!: string;
  description!: string;
}

export class QuestionInfoDto {
  question!: string;
  header!: string;
  options!: QuestionOptionDto[];
  multiple?: boolean;
  custom?: boolean;
}

export class QuestionRequestDto {
  id!: string;
  sessionID!: string;
  questions!: QuestionInfoDto[];
  tool?: object;
}
