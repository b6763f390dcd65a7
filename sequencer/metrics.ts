// Prometheus metrics. Each sequencer instance owns its registry (several run side by side in tests and benchmarks),
// and every name carries the zkm_ prefix.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class SequencerMetrics {
  readonly registry = new Registry();
  readonly http = new Histogram({
    name: "zkm_http_request_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: "zkm_commands_total",
    help: "Commands executed, by kind and outcome code (ok for accepted)",
    labelNames: ["kind", "code"] as const,
    registers: [this.registry],
  });
  readonly journalCommit = new Histogram({
    name: "zkm_journal_commit_seconds",
    help: "Duration of one journal group commit (fsync included)",
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly journalGroup = new Histogram({
    name: "zkm_journal_group_size",
    help: "Commands per journal group commit",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly fills = new Counter({
    name: "zkm_fills_total",
    help: "Fills by liquidity role",
    labelNames: ["liquidity"] as const,
    registers: [this.registry],
  });
  readonly liquidations = new Counter({
    name: "zkm_liquidations_total",
    help: "Liquidation ops applied",
    registers: [this.registry],
  });
  readonly batches = new Counter({
    name: "zkm_batches_total",
    help: "Batches reaching each pipeline stage",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly openOrders = new Gauge({
    name: "zkm_open_orders",
    help: "Resting orders",
    registers: [this.registry],
  });
  readonly unsettledBatches = new Gauge({
    name: "zkm_unsettled_batches",
    help: "Cut batches not yet settled on L1",
    registers: [this.registry],
  });
  readonly wsClients = new Gauge({
    name: "zkm_ws_clients",
    help: "Open WebSocket connections",
    registers: [this.registry],
  });
  readonly halted = new Gauge({
    name: "zkm_halted",
    help: "1 when the sequencer refuses commands after a fatal error",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "zkm_" });
  }
}
