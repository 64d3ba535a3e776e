import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../../core/http/api-doc.decorator';
import type { AuthContext } from '../../../core/auth/auth-context';
import { Auth, Roles } from '../../../core/auth/auth.decorators';
import { CollectionService } from '../collection/collection.service';
import { CollectionDto } from '../collection/dto/collection.dto';
import { AssignmentService } from './assignment.service';
import { AssignmentDto, CreateAssignmentDto, OpenedAssignmentDto, UpdateAssignmentDto } from './dto/assignment.dto';

@ApiTags('classroom')
@ApiBearerAuth()
@Controller('classroom')
export class AssignmentController {
  constructor(
    private readonly assignments: AssignmentService,
    private readonly collections: CollectionService,
  ) {}

  /** A new assignment for the class (its teachers and the school's admins). Upload starter files with PUT …/starter. */
  @ApiDoc(
    'Create an assignment',
    "A new assignment for the class (its teachers and the school's admins); upload starter files with PUT …/starter.",
    [400, 403, 404],
  )
  @Post('classes/:classID/assignments')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  create(
    @Auth() auth: AuthContext,
    @Param('classID') classId: string,
    @Body() body: CreateAssignmentDto,
  ): Promise<AssignmentDto> {
    return this.assignments.create(auth, classId, body);
  }

  /** The class's assignments, for its teachers and students and the school's admins. */
  @ApiDoc('List assignments', "The class's assignments, for its teachers and students and the school's admins.", [404])
  @Get('classes/:classID/assignments')
  list(@Auth() auth: AuthContext, @Param('classID') classId: string): Promise<AssignmentDto[]> {
    return this.assignments.list(auth, classId);
  }

  @ApiDoc('Get an assignment', 'One assignment of a class the caller belongs to.', [404])
  @Get('assignments/:id')
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<AssignmentDto> {
    return this.assignments.get(auth, id);
  }

  /** Title, instructions, due time (null removes it) and agent/model policy; copies already opened keep their files. */
  @ApiDoc(
    'Update an assignment',
    'Title, instructions, due time (null removes it) and agent/model policy; copies already opened keep their files.',
    [400, 403, 404],
  )
  @Patch('assignments/:id')
  @Roles('admin', 'teacher')
  update(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: UpdateAssignmentDto,
  ): Promise<AssignmentDto> {
    return this.assignments.update(auth, id, body);
  }

  @ApiDoc('Delete an assignment', 'Deletes the assignment; opened copies stay with their students.', [403, 404])
  @Delete('assignments/:id')
  @Roles('admin', 'teacher')
  remove(@Auth() auth: AuthContext, @Param('id') id: string): Promise<boolean> {
    return this.assignments.remove(auth, id);
  }

  /**
   * Starter files as a zip or tar.gz body (at most 10 MB, 500 files, 50 MB unpacked; no links, no `..`, no
   * absolute paths, no `.git`). Replaces earlier starter files.
   */
  @ApiDoc(
    'Upload starter files',
    'Starter files as a zip or tar.gz body (at most 10 MB, 500 files, 50 MB unpacked; no links, no `..`, no absolute paths, no `.git`); replaces earlier ones.',
    [400, 403, 404, 413],
  )
  @Put('assignments/:id/starter')
  @Roles('admin', 'teacher')
  @ApiConsumes('application/zip', 'application/gzip')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  uploadStarter(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<AssignmentDto> {
    return this.assignments.uploadStarter(auth, id, body);
  }

  /** The caller's own copy, seeded from the starter files on first open (students and teachers of the class). */
  @ApiDoc(
    'Open an assignment',
    "The caller's own copy, seeded from the starter files on first open (students and teachers of the class).",
    [403, 404],
  )
  @Post('assignments/:id/open')
  @HttpCode(200)
  @Roles('student', 'teacher')
  open(@Auth() auth: AuthContext, @Param('id') id: string): Promise<OpenedAssignmentDto> {
    return this.assignments.open(auth, id);
  }

  /** Snapshots every student's copy now, with a per-student summary of changes against the starter files. */
  @ApiDoc(
    'Collect an assignment',
    "Snapshots every student's copy now, with a per-student summary of changes against the starter files.",
    [403, 404],
  )
  @Post('assignments/:id/collect')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  collect(@Auth() auth: AuthContext, @Param('id') id: string): Promise<CollectionDto> {
    return this.collections.collectNow(auth, id);
  }

  /** Collections of the assignment, newest first (on demand and at the due time). */
  @ApiDoc(
    'List collections',
    'Collections of the assignment, newest first (on demand and at the due time).',
    [403, 404],
  )
  @Get('assignments/:id/collections')
  @Roles('admin', 'teacher')
  collectionsOf(@Auth() auth: AuthContext, @Param('id') id: string): Promise<CollectionDto[]> {
    return this.collections.list(auth, id);
  }

  /** One zip: SUMMARY.md, summary.json and a folder per student. */
  @ApiDoc('Download a collection', 'One zip: SUMMARY.md, summary.json and a folder per student.', [403, 404])
  @Get('assignments/:id/collections/:collectionID/download')
  @Roles('admin', 'teacher')
  @ApiProduces('application/zip')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async download(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Param('collectionID') collectionId: string,
  ): Promise<StreamableFile> {
    const { stream, filename } = await this.collections.download(auth, id, collectionId);
    return new StreamableFile(stream, { type: 'application/zip', disposition: `attachment; filename="${filename}"` });
  }
}
