import { Registry } from 'prom-client';

/** The one Prometheus registry of a Gatehouse instance (injected; never prom-client's global one). */
export class MetricsRegistry extends Registry {}
