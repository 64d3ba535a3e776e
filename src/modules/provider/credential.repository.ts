import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';

/** Encrypted provider keys per tenant. Only ciphertext is stored. */
@Injectable()
export class CredentialRepository {
  constructor(private readonly prisma: PrismaService) {}

  async tenantSettings(tenantId: string): Promise<Record<string, unknown>> {
    const row = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    return (row?.settings as Record<string, unknown> | null) ?? {};
  }

  list(tenantId: string) {
    return this.prisma.providerCredential.findMany({ where: { tenantId } });
  }

  upsert(data: {
    id: string;
    tenantId: string;
    providerId: string;
    type: string;
    ciphertext: string;
    keyVersion: number;
  }) {
    const { id, ...rest } = data;
    return this.prisma.providerCredential.upsert({
      where: { tenantId_providerId: { tenantId: data.tenantId, providerId: data.providerId } },
      create: { id, ...rest, iv: '', tag: '' },
      update: { type: rest.type, ciphertext: rest.ciphertext, keyVersion: rest.keyVersion },
    });
  }

  async remove(tenantId: string, providerId: string): Promise<boolean> {
    const r = await this.prisma.providerCredential.deleteMany({ where: { tenantId, providerId } });
    return r.count > 0;
  }
}
