import { ConfigModule } from '@nestjs/config';

/**
 * The app's settings, already loaded and checked by `loadConfig` in main.ts (a bad setting has
 * stopped the process by then), offered to every module through `ConfigService`.
 */
export function appConfigModule(config: object) {
  return ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...config })] });
}
