import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { SimulationService } from './simulation.service';

@Module({ imports: [IngestModule], providers: [SimulationService], exports: [SimulationService] })
export class SimulateModule {}
