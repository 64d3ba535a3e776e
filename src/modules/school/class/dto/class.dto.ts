import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { AccessPolicyDto } from './policy.dto';

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

/** The class's agent and model policy and permission rules for its students; they only narrow the school's. */
export class ClassSettingsDto extends AccessPolicyDto {
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
