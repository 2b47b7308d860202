import { callEvent, operatorReadEvents, type CallRecord } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import type { CallFacts } from '../../lib/call-facts';
import { isPlatformOperator } from '../../lib/caller';
import { boundedLabel, gatewayCalls, gatewayCallSeconds } from '../../lib/metrics';

/**
 * Records one call: its own record, and, when a platform operator was
 * given tenants' rows, one `operator.read` event on each of those tenants'
 * chains. All of them join the writer's next group commit; the promise
 * settles when every one is written, or rejects if any is not.
 */
export async function recordCall(writer: AuditWriter, call: CallRecord, facts?: CallFacts): Promise<void> {
  // Counted here because every call is recorded here exactly once, whatever its surface or outcome.
  gatewayCalls.inc({ surface: call.surface, operation: boundedLabel(call.operationName), status: call.status });
  if (call.latencyMs !== null) gatewayCallSeconds.observe({ surface: call.surface }, call.latencyMs / 1000);
  const reads = call.caller && isPlatformOperator(call.caller) && facts?.tenantsRead.length ? operatorReadEvents(call, facts.tenantsRead) : [];
  await Promise.all([callEvent(call), ...reads].map((event) => writer.record(event)));
}
