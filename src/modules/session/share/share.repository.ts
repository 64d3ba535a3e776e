import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';
import type { SessionRow } from '../session.repository';
import type { ShareExposure } from './share.view';

/** Share columns of Session. Lookups by share id are the one place a session is found without a tenant. */
@Injectable()
export class ShareRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByShareId(shareId: string): Promise<SessionRow | null> {
    return this.prisma.session.findUnique({ where: { shareId } });
  }

  async setShare(
    tenantId: string,
    id: string,
    share: { shareId: string; shareSecret: string; shareUrl: string } | null,
  ): Promise<SessionRow | null> {
    const data = share ?? { shareId: null, shareSecret: null, shareUrl: null };
    const r = await this.prisma.session.updateMany({
      where: { tenantId, id },
      data: { ...data, updatedAt: new Date() },
    });
    return r.count ? this.prisma.session.findFirst({ where: { tenantId, id } }) : null;
  }

  /** Null while the school has not turned sharing on (the default); else how much a link shows. */
  async exposure(tenantId: string): Promise<ShareExposure | null> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    const settings = (tenant?.settings ?? {}) as { shareAllowed?: boolean; shareDetails?: boolean };
    return settings.shareAllowed === true ? { details: settings.shareDetails === true } : null;
  }
}
