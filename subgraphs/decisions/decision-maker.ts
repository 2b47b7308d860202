import { performance } from 'node:perf_hooks';
import { Prisma, type Decision, type PrismaClient } from '@prisma/client';
import { appendAuditEvents } from '../../lib/audit-log/chain';
import { domainEvent } from '../../lib/audit-log/events';
import type { Caller } from '../../lib/caller';
import { badUserInput, codedError, ErrorCode, forbidden, invalidAttributes } from '../../lib/errors';
import { uuidV7 } from '../../lib/ids';
import { DecisionInputError, evaluatePolicy, validateDecisionInput } from './policy';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';
import type { CreateDecisionInput } from './__generated__/resolvers-types';
import type { PolicyCatalog } from './policy-catalog';
import type { StreamBus } from '../../lib/streams/bus';
import { appendStreamEvents } from '../../lib/streams/outbox-write';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,255}$/;

function checkText(name: string, value: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw badUserInput(`${name} must be 1 to ${max} characters`, { field: name });
  return trimmed;
}

/** The first few problems, for the message; `details` has them all. */
function summary(problems: ReadonlyArray<{ field: string; problem: string }>): string {
  const shown = problems.slice(0, 3).map((p) => `${p.field || 'attributes'} ${p.problem}`);
  return problems.length > 3 ? `${shown.join('; ')}; and ${problems.length - 3} more (see details)` : shown.join('; ');
}

/**
 * Makes decisions: validates the request, evaluates the installed policy,
 * and writes the decision with its audit event and its stream event in one
 * transaction. The same
 * policy and the same input always give the same outcome, confidence and
 * reasons; only the id, the time and the measured latency differ.
 */
export class DecisionMaker {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalog: PolicyCatalog,
    /** Wakes the gateways' stream readers once a decision commits; without one they find it by polling. */
    private readonly bus?: StreamBus,
  ) {}

  async create(caller: Caller, input: CreateDecisionInput): Promise<Decision> {
    const started = performance.now();
    const tenantId = caller.tenantId;
    if (!tenantId) throw forbidden('decisions are made for a tenant, and this credential names none');
    const feature = checkText('feature', input.feature, 128);
    const subject = { type: checkText('subject.type', input.subject.type, 64), reference: checkText('subject.reference', input.subject.reference, 128) };
    const key = input.idempotencyKey ?? null;
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) throw badUserInput('idempotencyKey must be 1 to 255 letters, digits or -_.:', { field: 'idempotencyKey' });
    let attributes;
    try {
      attributes = validateDecisionInput(input.attributes);
    } catch (error) {
      if (error instanceof DecisionInputError) {
        throw invalidAttributes(`attributes: ${error.message}`, [{ field: error.path, problem: error.problem }], { feature });
      }
      throw error;
    }
    const inputHash = sha256Hex(canonicalJson({ feature, subject, attributes }));

    const found = await this.catalog.lookup(tenantId, feature);
    if (found.kind === 'no_tenant') throw forbidden('the credential names a tenant that does not exist');
    if (found.kind === 'suspended') throw codedError(ErrorCode.TENANT_SUSPENDED, 'the tenant is suspended and cannot make new decisions');
    if (found.kind === 'not_installed') {
      throw codedError(ErrorCode.FEATURE_NOT_INSTALLED, `no package installed for this tenant offers the feature ${feature}`, { feature });
    }
    if (found.kind === 'no_input_schema') {
      throw codedError(ErrorCode.INPUT_SCHEMA_MISSING, `the installed version of ${feature} declares no input schema, so it cannot decide; install a version that does`, {
        feature,
        packageVersionId: found.packageVersionId,
      });
    }
    if (found.kind === 'contract_invalid') {
      throw codedError(ErrorCode.FEATURE_CONTRACT_INVALID, `the installed version of ${feature} cannot decide: ${found.problem}`, {
        feature,
        packageVersionId: found.packageVersionId,
      });
    }
    // Checked against the installed version's contract before anything else
    // (a replay included), so no decision is ever made, or returned, on
    // attributes that version refuses.
    const problems = found.feature.validate(attributes);
    if (problems.length) {
      throw invalidAttributes(`attributes do not match the input schema of ${feature}: ${summary(problems)}`, problems, {
        feature,
        packageVersionId: found.feature.packageVersionId,
      });
    }

    if (key !== null) {
      const earlier = await this.replay(tenantId, key, inputHash);
      if (earlier) return earlier;
    }

    const evaluation = evaluatePolicy(found.feature.policy, attributes);
    const createdAt = new Date();
    const record = {
      id: uuidV7(createdAt.getTime()),
      tenantId,
      featureKey: feature,
      packageVersionId: found.feature.packageVersionId,
      subjectType: subject.type,
      subjectReference: subject.reference,
      outcome: evaluation.outcome,
      confidence: evaluation.confidence,
      reasons: evaluation.reasons,
      latencyMs: Math.max(1, Math.ceil(performance.now() - started)),
      requestId: caller.requestId,
      idempotencyKey: key,
      inputHash,
      policyHash: found.feature.policyHash,
      createdAt,
    };
    try {
      const made = await this.prisma.$transaction(async (tx) => {
        const decision = await tx.decision.create({ data: record });
        await appendAuditEvents(tx, [
          domainEvent(caller, {
            tenantId,
            action: 'decision.created',
            scope: 'write',
            resource: { type: 'decision', id: decision.id },
            contentSha256: sha256Hex(canonicalJson({ ...record, createdAt: createdAt.toISOString() })),
            at: createdAt,
          }),
        ]);
        await appendStreamEvents(tx, [
          {
            topic: 'decision.created',
            tenantId,
            entityId: decision.id,
            attributes: {
              feature,
              outcome: evaluation.outcome,
              packageVersionId: record.packageVersionId,
              subjectType: subject.type,
              subjectReference: subject.reference,
              requestId: caller.requestId,
            },
          },
        ]);
        return decision;
      });
      this.bus?.publish();
      return made;
    } catch (error) {
      // Two requests with one key raced past the replay check: the unique
      // constraint let one in, and the other answers with its decision.
      if (key !== null && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        const winner = await this.replay(tenantId, key, inputHash);
        if (winner) return winner;
      }
      throw error;
    }
  }

  private async replay(tenantId: string, key: string, inputHash: string): Promise<Decision | null> {
    const earlier = await this.prisma.decision.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } } });
    if (!earlier) return null;
    if (earlier.inputHash !== inputHash) {
      throw codedError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this idempotencyKey was already used for a different request', { idempotencyKey: key });
    }
    return earlier;
  }
}
