import { Body, Controller, Delete, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { ClassService } from './class.service';
import { AddMemberDto, ClassDto, ClassSettingsDto, CreateClassDto, UpdateClassDto } from './dto/class.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/classes')
export class ClassController {
  constructor(private readonly classes: ClassService) {}

  /** Admins: every class; teachers: the classes they teach. */
  @ApiDoc('List classes', 'Admins: every class of the school; teachers: the classes they teach.', [403])
  @Get()
  @Roles('admin', 'teacher')
  list(@Auth() auth: AuthContext): Promise<ClassDto[]> {
    return this.classes.list(auth);
  }

  @ApiDoc('Create a class', "A class of the caller's school (admins only).", [400, 403])
  @Post()
  @Roles('admin')
  create(@Auth() auth: AuthContext, @Body() body: CreateClassDto): Promise<ClassDto> {
    return this.classes.create(auth, body.name);
  }

  @ApiDoc('Get a class', 'One class with its members; teachers only the classes they teach.', [403, 404])
  @Get(':id')
  @Roles('admin', 'teacher')
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ClassDto> {
    return this.classes.get(auth, id);
  }

  @ApiDoc('Rename a class', "Changes a class's name (admins only).", [400, 403, 404])
  @Patch(':id')
  @Roles('admin')
  update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: UpdateClassDto): Promise<ClassDto> {
    return this.classes.rename(auth, id, body.name);
  }

  /** The agent and model policy and permission rules for the class's students; they never widen the school's. */
  @ApiDoc(
    'Set class rules',
    "Replaces the class's agent and model policy (allowed agents and models, defaults, tools off, `allow_change`) and permission rules for its students; they only narrow the school's. Its teacher or the school's admin; applied by every API process before its next prompt.",
    [400, 403, 404],
  )
  @Put(':id/settings')
  @Roles('admin', 'teacher')
  setSettings(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: ClassSettingsDto): Promise<ClassDto> {
    return this.classes.setSettings(auth, id, body);
  }

  @ApiDoc(
    'Change class rules',
    'Changes only the keys the body names (`null` removes one), e.g. `{"allow_change": false}`; otherwise as PUT.',
    [400, 403, 404],
  )
  @Patch(':id/settings')
  @Roles('admin', 'teacher')
  patchSettings(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: ClassSettingsDto): Promise<ClassDto> {
    return this.classes.setSettings(auth, id, body, true);
  }

  @ApiDoc('Delete a class', 'Deletes the class (its members stay users of the school).', [403, 404])
  @Delete(':id')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.classes.remove(auth, id);
  }

  @ApiDoc('Add a class member', 'Adds a student or teacher of the school to the class (admins only).', [400, 403, 404])
  @Post(':id/members')
  @Roles('admin')
  addMember(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: AddMemberDto): Promise<ClassDto> {
    return this.classes.addMember(auth, id, body.userId, body.role);
  }

  @ApiDoc(
    'Remove a class member',
    'Takes a user out of the class; a teacher loses sight of its students at once.',
    [403, 404],
  )
  @Delete(':id/members/:userId')
  @Roles('admin')
  removeMember(@Auth() auth: AuthContext, @Param('id') id: string, @Param('userId') userId: string): Promise<ClassDto> {
    return this.classes.removeMember(auth, id, userId);
  }
}
