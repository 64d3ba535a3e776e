import { Body, Controller, Delete, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
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
  @Get()
  @Roles('admin', 'teacher')
  list(@Auth() auth: AuthContext): Promise<ClassDto[]> {
    return this.classes.list(auth);
  }

  @Post()
  @Roles('admin')
  create(@Auth() auth: AuthContext, @Body() body: CreateClassDto): Promise<ClassDto> {
    return this.classes.create(auth, body.name);
  }

  @Get(':id')
  @Roles('admin', 'teacher')
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ClassDto> {
    return this.classes.get(auth, id);
  }

  @Patch(':id')
  @Roles('admin')
  update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: UpdateClassDto): Promise<ClassDto> {
    return this.classes.rename(auth, id, body.name);
  }

  /** Allow-lists (agents, models) and permission rules for the class's students; they never widen the school's. */
  @Put(':id/settings')
  @Roles('admin', 'teacher')
  setSettings(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: ClassSettingsDto): Promise<ClassDto> {
    return this.classes.setSettings(auth, id, body);
  }

  @Delete(':id')
  @Roles('admin')
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.classes.remove(auth, id);
  }

  @Post(':id/members')
  @Roles('admin')
  addMember(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: AddMemberDto): Promise<ClassDto> {
    return this.classes.addMember(auth, id, body.userId, body.role);
  }

  @Delete(':id/members/:userId')
  @Roles('admin')
  removeMember(@Auth() auth: AuthContext, @Param('id') id: string, @Param('userId') userId: string): Promise<ClassDto> {
    return this.classes.removeMember(auth, id, userId);
  }
}
