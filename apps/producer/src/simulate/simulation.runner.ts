import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PinoLogger } from 'nestjs-pino';
import { ProducerConfig } from '../producer.config';
import { SimulationService } from './simulation.service';

/** With SIMULATE=true the producer service also runs the simulator, until it stops. */
@Injectable()
export class SimulationRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private stopping = false;
  private running?: Promise<void>;

  constructor(
    private readonly simulation: SimulationService,
    private readonly config: ConfigService<ProducerConfig, true>,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(SimulationRunner.name);
  }

  onApplicationBootstrap(): void {
    if (!this.config.get('SIMULATE')) return;
    const run = {
      name: this.config.get('SIMULATE_NAME'),
      seed: this.config.get('SIMULATE_SEED'),
      rate: this.config.get('SIMULATE_RATE'),
      blocks: this.config.get('SIMULATE_BLOCKS'),
      invalidShare: this.config.get('SIMULATE_INVALID'),
      replace: false,
    };
    this.logger.info({ file: run.name, ...run }, `simulating ${run.name}`);
    let logged = 0;
    this.running = this.simulation
      .run(this.config.get('DATA_DIR'), run, () => this.stopping, (progress) => {
        if (Date.now() - logged >= 10_000) {
          logged = Date.now();
          this.logger.info({ file: progress.fileName, block: progress.lastBlock, blocks: progress.blocks }, 'simulation progress');
        }
      })
      .then((done) => this.logger.info({ file: done.fileName, blocks: done.blocks, block: done.lastBlock }, 'simulation ended'))
      .catch((error: unknown) => this.logger.error({ file: run.name, err: error }, `simulation failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
