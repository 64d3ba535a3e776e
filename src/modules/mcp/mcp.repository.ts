import { Injectable } from '@nestjs/common';
import { newId } from '../../core/ids';
import { PrismaService } from '../../infra/database/prisma.service';
import { Prisma } from '../../generated/prisma/client';

export interface McpServerRow {
  id: string;
  tenantId: string;
  projectId: string | null;
  name: string;
  config: unknown;
  oauth: unknown;
}

const SELECT = { id: true, tenantId: true, projectId: true, name: true, config: true, oauth: true } as const;

/**
 * McpServer rows: tenant-wide (projectId null) or per project. Postgres treats NULLs as distinct in the
 * (tenantId, projectId, name) unique index, so tenant-wide rows are found with findFirst, never upsert.
 */
@Injectable()
export class McpRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Tenant-wide rows first, then the project's, so project rows win when names collide. Read at every model step
   * (the session's MCP tools), so plain SQL: no Prisma query compiler on the prompt path.
   */
  async listForProject(tenantId: string, projectId: string): Promise<McpServerRow[]> {
    const { rows } = await this.prisma.sql<McpServerRow>(
      `SELECT id, "tenantId", "projectId", name, config, oauth FROM "McpServer"
        WHERE "tenantId" = $1 AND ("projectId" IS NULL OR "projectId" = $2)
        ORDER BY ("projectId" IS NOT NULL), "createdAt", id`,
      [tenantId, projectId],
    );
    return rows;
  }

  find(tenantId: string, projectId: string | null, name: string): Promise<McpServerRow | null> {
    return this.prisma.mcpServer.findFirst({ where: { tenantId, projectId, name }, select: SELECT });
  }

  /** Creates or replaces the server's config; its OAuth column is left alone. */
  async putConfig(tenantId: string, projectId: string | null, name: string, config: unknown): Promise<McpServerRow> {
    const json = config as Prisma.InputJsonValue;
    const existing = await this.find(tenantId, projectId, name);
    if (existing)
      return this.prisma.mcpServer.update({ where: { id: existing.id }, data: { config: json }, select: SELECT });
    return this.prisma.mcpServer.create({
      data: { id: newId('mcp'), tenantId, projectId, name, config: json },
      select: SELECT,
    });
  }

  /** Writes (or, with null, clears) the OAuth column; a server without a row gets an OAuth-only placeholder. */
  async putOAuth(
    tenantId: string,
    projectId: string | null,
    name: string,
    oauth: Prisma.InputJsonValue | null,
    placeholderConfig: Prisma.InputJsonValue,
  ): Promise<void> {
    const existing = await this.find(tenantId, projectId, name);
    const value = oauth ?? Prisma.DbNull;
    if (existing) {
      await this.prisma.mcpServer.updateMany({ where: { id: existing.id, tenantId }, data: { oauth: value } });
      return;
    }
    if (oauth === null) return;
    await this.prisma.mcpServer.create({
      data: { id: newId('mcp'), tenantId, projectId, name, config: placeholderConfig, oauth },
    });
  }

  async tenantSettings(tenantId: string): Promise<Record<string, unknown>> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    const settings = tenant?.settings;
    return settings && typeof settings === 'object' && !Array.isArray(settings)
      ? (settings as Record<string, unknown>)
      : {};
  }
}
