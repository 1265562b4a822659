import { BaseConfig } from '@bqm/platform';
import { IsString, MinLength } from 'class-validator';

export class ProducerConfig extends BaseConfig {
  /** Block files here are ingested at start, and whenever one is added or grows. */
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must be a directory path' })
  DATA_DIR = './data';
}
