import { IsIn, IsString, Length } from 'class-validator';

export class CreateClassDto {
  @IsString() @Length(1, 200) name!: string;
}

export class UpdateClassDto {
  @IsString() @Length(1, 200) name!: string;
}

export class AddMemberDto {
  @IsString() @Length(1, 64) userId!: string;
  @IsIn(['teacher', 'student']) role!: 'teacher' | 'student';
}

export class ClassMemberDto {
  userId!: string;
  role!: string;
}

export class ClassDto {
  id!: string;
  name!: string;
  /** Unix milliseconds. */
  created!: number;
  members!: ClassMemberDto[];
}
