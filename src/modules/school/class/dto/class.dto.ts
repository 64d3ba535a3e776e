import { IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';

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

/** Allow-lists and permission rules for the class's students; they only narrow what the school allows. */
export class ClassSettingsDto {
  /** Agent names (`*` wildcards) the class's students may pick; absent: no class list. */
  @IsOptional() @IsArray() @IsString({ each: true }) agents?: string[];
  /** `provider/model` refs (`*` wildcards) the class's students may pick. */
  @IsOptional() @IsArray() @IsString({ each: true }) models?: string[];
  /** OpenCode permission config (`{bash: 'deny'}`, ...), a layer between the school and the project. */
  @IsOptional() permission?: unknown;
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
  settings!: ClassSettingsDto;
}
