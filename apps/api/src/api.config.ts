import { BaseConfig, booleanSetting, intSetting, portSetting } from '@bqm/platform';
import { IsString, Matches, ValidateBy } from 'class-validator';
import { isIP } from 'node:net';
import { SetTogetherWith } from './queues/board.settings';

export class ApiConfig extends BaseConfig {
  @portSetting()
  PORT = 5000;

  /** The address to listen on (0.0.0.0 in a container). */
  @IsString()
  @ValidateBy({
    name: 'isHost',
    validator: { validate: (value: unknown) => value === 'localhost' || isIP(String(value)) !== 0, defaultMessage: () => 'HOST must be an IP address or localhost, got "$value"' },
  })
  HOST = '0.0.0.0';

  /**
   * On SIGTERM/SIGINT, how long the requests in flight may still take to finish; those still
   * running then are cut off (their connections reset), so the API exits within 15 s.
   */
  @intSetting(0, 12_000)
  SHUTDOWN_DRAIN_MS = 10_000;

  /** The queue dashboard at /queues only shows the queues; `false` lets it retry, clean, promote and remove jobs. */
  @booleanSetting()
  BOARD_READ_ONLY = true;

  /** HTTP basic auth for /queues: set BOARD_USER and BOARD_PASSWORD both (or neither: no auth). */
  @IsString()
  @Matches(/^[^:]*$/, { message: 'BOARD_USER cannot contain ":" (HTTP basic auth separates user and password with it)' })
  BOARD_USER = '';

  @IsString()
  @SetTogetherWith('BOARD_USER', 'basic auth on the queue dashboard (/queues)')
  BOARD_PASSWORD = '';
}
