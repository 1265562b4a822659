import { BaseConfig, portSetting } from '@bqm/platform';
import { IsString, Matches } from 'class-validator';

export class ApiConfig extends BaseConfig {
  @portSetting()
  PORT = 5000;

  /** The address to listen on (0.0.0.0 in a container). */
  @IsString()
  @Matches(/^[0-9a-fA-F.:]+$|^localhost$/, { message: 'HOST must be an IP address or localhost, got "$value"' })
  HOST = '0.0.0.0';
}
