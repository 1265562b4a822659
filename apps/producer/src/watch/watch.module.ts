import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { DataDirWatcher } from './data-dir.watcher';

@Module({ imports: [IngestModule], providers: [DataDirWatcher], exports: [DataDirWatcher] })
export class WatchModule {}
