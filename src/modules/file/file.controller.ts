import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
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
import { LspService } from '../lsp/lsp.service';
import type { LspSymbol } from '../lsp/lsp.types';
import { VcsService } from './vcs.service';

@ApiTags('file')
@ApiBearerAuth()
@Controller()
export class FileController {
  constructor(
    private readonly files: FileService,
    private readonly find: FindService,
    private readonly vcs: VcsService,
    private readonly lsp: LspService,
  ) {}

  @ApiDoc(
    'List files',
    "Files and folders at `path` in the project's workspace (the workspace root when omitted), with their ignored flag. Students see their own projects, teachers their students', admins the school's.",
    [400, 404],
  )
  @Get('file')
  list(@Auth() auth: AuthContext, @Query() q: FileListQueryDto, @Directory() directory?: string): Promise<FileNode[]> {
    return this.files.list(auth, directory, q.path);
  }

  @ApiDoc(
    'Read a file',
    "A file's content from the project's workspace: text as is, binary base64-encoded, with a diff against HEAD when the project is a git repository.",
    [400, 404, 413],
  )
  @Get('file/content')
  content(
    @Auth() auth: AuthContext,
    @Query() q: FileContentQueryDto,
    @Directory() directory?: string,
  ): Promise<FileContent> {
    return this.files.content(auth, directory, q.path);
  }

  @ApiDoc(
    'Changed files',
    'Files changed in the working tree against HEAD, with added and removed line counts; empty outside a git repository.',
    [404],
  )
  @Get('file/status')
  status(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<FileStatusEntry[]> {
    return this.vcs.fileStatus(auth, directory);
  }

  @ApiDoc(
    'Search file contents',
    "Lines matching a regular expression in the project's workspace (ripgrep's match shape), capped in count and time.",
    [400, 404],
  )
  @Get('find')
  findText(
    @Auth() auth: AuthContext,
    @Query() q: FindTextQueryDto,
    @Directory() directory?: string,
  ): Promise<TextMatch[]> {
    return this.find.text(auth, directory, q.pattern);
  }

  @ApiDoc(
    'Find files by name',
    'Workspace paths fuzzily matching `query` (files, or folders with `type=directory`), best first.',
    [400, 404],
  )
  @Get('find/file')
  findFile(
    @Auth() auth: AuthContext,
    @Query() q: FindFileQueryDto,
    @Directory() directory?: string,
  ): Promise<string[]> {
    return this.find.files(auth, directory, q);
  }

  @ApiDoc(
    'Find workspace symbols',
    'Classes, functions, methods, interfaces, enums, variables and constants matching `query`, at most ten, from the ' +
      "project's running language servers (a search starts none: `[]` until the lsp tool or an edit started one).",
    [400, 404],
  )
  @Get('find/symbol')
  findSymbol(
    @Auth() auth: AuthContext,
    @Query() q: FindSymbolQueryDto,
    @Directory() directory?: string,
  ): Promise<LspSymbol[]> {
    return this.lsp.symbols(auth, directory, q.query);
  }

  @ApiDoc(
    'Version control info',
    "The project's current branch and default branch; `{}` outside a git repository.",
    [404],
  )
  @Get('vcs')
  vcsInfo(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<VcsInfo> {
    return this.vcs.info(auth, directory);
  }

  @ApiDoc('Version control status', 'Changed files with line counts, against HEAD (`mode=git`).', [404])
  @Get('vcs/status')
  vcsStatus(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<VcsFileStatus[]> {
    return this.vcs.status(auth, directory);
  }

  @ApiDoc(
    'Version control diff',
    'Changed files with their patches, against HEAD (`mode=git`) or the merge base with the default branch (`mode=branch`).',
    [400, 404],
  )
  @Get('vcs/diff')
  vcsDiff(
    @Auth() auth: AuthContext,
    @Query() q: VcsDiffQueryDto,
    @Directory() directory?: string,
  ): Promise<VcsFileDiff[]> {
    return this.vcs.diff(auth, directory, q.mode, q.context);
  }
}
