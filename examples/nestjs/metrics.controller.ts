/** `/metrics` for Prometheus: the election's metrics (docs/operations.md "Metrics") from @leasehold/metrics. */
// biome-ignore lint/style/useImportType: Nest injects by the constructor's parameter types, read at run time (emitDecoratorMetadata)
import { ElectionMetrics } from '@leasehold/metrics';
import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';

@Controller()
export class MetricsController {
  readonly #metrics: ElectionMetrics;

  constructor(metrics: ElectionMetrics) {
    this.#metrics = metrics;
  }

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  scrape(): Promise<string> {
    return this.#metrics.registry.metrics();
  }
}
