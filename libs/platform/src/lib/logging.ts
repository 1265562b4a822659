import { LoggerModule } from 'nestjs-pino';

/**
 * Structured JSON logs (pino); readable lines when a person watches a terminal. `app` names
 * the process in every line, so the logs of many consumers can be told apart.
 */
export function loggingModule(app: string, level: string) {
  const pretty = process.stdout.isTTY && process.env['LOG_FORMAT'] !== 'json';
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { app, pid: process.pid },
      autoLogging: false,
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } : undefined,
    },
  });
}
