import { Injectable } from '@nestjs/common';
import type { AuthContext, Role } from '../../../core/auth/auth-context';
import { BadRequestError, ConflictError } from '../../../core/errors/domain-error';
import { AuditService } from '../../audit/audit.service';
import type { JwtSettingsDto, SetJwtSettingsDto } from './dto/jwt.dto';
import { JwtAuthService } from './jwt-auth.service';
import { Prisma } from '../../../generated/prisma/client';
import { JwtRepository } from './jwt.repository';
import { JwtSecretService } from './jwt-secret.service';
import { DEFAULT_CLAIMS, type JwtSettings } from './jwt-settings';

const ROLES = ['admin', 'teacher', 'student'];

/** A tenant admin's view of their tenant's JWT sign-in. */
@Injectable()
export class JwtSettingsService {
  constructor(
    private readonly repo: JwtRepository,
    private readonly jwt: JwtAuthService,
    private readonly secrets: JwtSecretService,
    private readonly audit: AuditService,
  ) {}

  async get(auth: AuthContext): Promise<JwtSettingsDto> {
    const s = await this.repo.settings(auth.tenantId);
    if (!s) return { enabled: false, hasSecret: false };
    return {
      enabled: true,
      issuer: s.issuer,
      audience: s.audience,
      jwksUrl: s.jwksUrl,
      claims: s.claims,
      roleMap: s.roleMap,
      hasSecret: await this.secrets.stored(auth.tenantId),
    };
  }

  async set(auth: AuthContext, input: SetJwtSettingsDto): Promise<JwtSettingsDto> {
    for (const [k, v] of Object.entries(input.roleMap ?? {}))
      if (!ROLES.includes(v)) throw new BadRequestError(`roleMap.${k} must be admin, teacher or student`);
    if (!input.jwksUrl && !input.secret && !(await this.secrets.get(auth.tenantId)))
      throw new BadRequestError('Give either jwksUrl or an HS256 secret');
    const sealed = input.jwksUrl ? null : input.secret ? this.secrets.seal(auth.tenantId, input.secret) : undefined;
    const others = (await this.repo.tenantsByIssuer(input.issuer)).filter((t) => t.id !== auth.tenantId);
    if (others.length) throw new ConflictError('ConflictError', 'Another tenant already uses this issuer');
    const claims = {
      ...DEFAULT_CLAIMS,
      ...Object.fromEntries(Object.entries(input.claims ?? {}).filter(([, v]) => v !== undefined)),
    };
    const settings: JwtSettings = {
      issuer: input.issuer,
      audience: input.audience,
      ...(input.jwksUrl ? { jwksUrl: input.jwksUrl } : {}),
      claims,
      roleMap: (input.roleMap ?? {}) as Record<string, Role>,
    };
    try {
      await this.repo.save(auth.tenantId, settings, sealed);
    } catch (err) {
      // Two schools claiming one issuer at the same moment: the unique index lets one through.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw new ConflictError('ConflictError', 'Another tenant already uses this issuer');
      throw err;
    }
    this.jwt.forget();
    await this.audit.record(auth, 'jwt.configure', auth.tenantId, {
      issuer: input.issuer,
      jwks: !!input.jwksUrl,
      secretChanged: !!input.secret,
    });
    return this.get(auth);
  }

  async disable(auth: AuthContext): Promise<boolean> {
    await this.repo.save(auth.tenantId, null, null);
    this.jwt.forget();
    await this.audit.record(auth, 'jwt.configure', auth.tenantId, { disabled: true });
    return true;
  }
}
