import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import {
  ApiKeyDto,
  CreatedKeyDto,
  CreateKeyDto,
  CreateUserDto,
  KeyListQueryDto,
  UpdateUserDto,
  UserDto,
  UserListQueryDto,
} from './dto/tenant.dto';
import { TenantService } from './tenant.service';

@ApiTags('admin: users and keys')
@ApiBearerAuth()
@Controller('admin')
export class UserController {
  constructor(private readonly tenants: TenantService) {}

  @ApiDoc('List users', "The school's users (admins), or the students of the classes a teacher teaches.", [403])
  @Get('users')
  @Roles('admin', 'teacher')
  listUsers(@Auth() auth: AuthContext, @Query() query: UserListQueryDto): Promise<UserDto[]> {
    return this.tenants.listUsers(auth, query.role);
  }

  @ApiDoc('Create a user', "A student, teacher or admin of the caller's school (admins only).", [400, 403])
  @Post('users')
  @Roles('admin')
  createUser(@Auth() auth: AuthContext, @Body() body: CreateUserDto): Promise<UserDto> {
    return this.tenants.createUser(auth, body);
  }

  @ApiDoc('Get a user', "One user of the caller's school (admins only); a user of another school is a 404.", [403, 404])
  @Get('users/:id')
  @Roles('admin')
  getUser(@Auth() auth: AuthContext, @Param('id') id: string): Promise<UserDto> {
    return this.tenants.getUser(auth, id);
  }

  @ApiDoc(
    'Update a user',
    "Name, role or status of a user of the caller's school (admins only; never a platform administrator).",
    [400, 403, 404],
  )
  @Patch('users/:id')
  @Roles('admin')
  updateUser(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.tenants.updateUser(auth, id, body);
  }

  @ApiDoc('Delete a user', 'Deletes the user with their keys, sessions and workspaces (admins only).', [403, 404])
  @Delete('users/:id')
  @Roles('admin')
  deleteUser(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.tenants.deleteUser(auth, id);
  }

  /** Keys: admins see the tenant's, everyone else their own. */
  @ApiDoc(
    'List API keys',
    "Admins see the school's keys, everyone else their own; the secret is never shown again.",
    [400],
  )
  @ApiTags('auth')
  @Get('keys')
  listKeys(@Auth() auth: AuthContext, @Query() query: KeyListQueryDto): Promise<ApiKeyDto[]> {
    return this.tenants.listKeys(auth, query.userId);
  }

  @ApiDoc(
    'Create an API key',
    'A key for the caller, or (admins) for a user of their school; the secret is in this answer only.',
    [400, 403, 404],
  )
  @ApiTags('auth')
  @Post('keys')
  createKey(@Auth() auth: AuthContext, @Body() body: CreateKeyDto): Promise<CreatedKeyDto> {
    return this.tenants.issueKey(auth, {
      name: body.name,
      userId: body.userId,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
    });
  }

  @ApiDoc(
    'Revoke an API key',
    "Revokes one key at once; the caller's own, or (admins) any of their school.",
    [403, 404],
  )
  @ApiTags('auth')
  @Delete('keys/:id')
  revokeKey(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ApiKeyDto | null> {
    return this.tenants.revokeKey(auth, id);
  }
}
