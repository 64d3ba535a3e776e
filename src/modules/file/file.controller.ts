import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import type { FileContent, FileNode } from '../workspace/file-node';
import {
  FileContentQueryDto,
  FileListQueryDto,
  FindFileQueryDto,
  FindSymbolQueryDto,
  FindTextQueryDto,
  VcsDiffQueryDto,
} from './dto/file.dto';
import { FileService } from './file.service';
import type { FileStatusEntry, TextMatch, VcsFileDiff, VcsFileStatus, VcsInfo } from './file.types';
import { FindService } from './find.service';
import { VcsService } from './vcs.service';

@ApiTags('file')
@ApiBearerAuth()
@Controller()
export class FileController {
  constructor(
    private readonly files: FileService,
    private readonly find: FindService,
    private readonly vcs: VcsService,
  ) {}

  @Get('file')
  list(@Auth() auth: AuthContext, @Query() q: FileListQueryDto, @Directory() directory?: string): Promise<FileNode[]> {
    return this.files.list(auth, directory, q.path);
  }

  @Get('file/content')
  content(
    @Auth() auth: AuthContext,
    @Query() q: FileContentQueryDto,
    @Directory() directory?: string,
  ): Promise<FileContent> {
    return this.files.content(auth, directory, q.path);
  }

  @Get('file/status')
  status(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<FileStatusEntry[]> {
    return this.vcs.fileStatus(auth, directory);
  }

  @Get('find')
  findText(
    @Auth() auth: AuthContext,
    @Query() q: FindTextQueryDto,
    @Directory() directory?: string,
  ): Promise<TextMatch[]> {
    return this.find.text(auth, directory, q.pattern);
  }

  @Get('find/file')
  findFile(
    @Auth() auth: AuthContext,
    @Query() q: FindFileQueryDto,
    @Directory() directory?: string,
  ): Promise<string[]> {
    return this.find.files(auth, directory, q);
  }

  /** OpenCode answers `[]` here too: symbols come from a language server, which this route does not start. */
  @Get('find/symbol')
  findSymbol(@Query() _q: FindSymbolQueryDto): unknown[] {
    return [];
  }

  @Get('vcs')
  vcsInfo(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<VcsInfo> {
    return this.vcs.info(auth, directory);
  }

  @Get('vcs/status')
  vcsStatus(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<VcsFileStatus[]> {
    return this.vcs.status(auth, directory);
  }

  @Get('vcs/diff')
  vcsDiff(
    @Auth() auth: AuthContext,
    @Query() q: VcsDiffQueryDto,
    @Directory() directory?: string,
  ): Promise<VcsFileDiff[]> {
    return this.vcs.diff(auth, directory, q.mode, q.context);
  }
}
