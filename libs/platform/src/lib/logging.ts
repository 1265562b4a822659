import { LoggerModule } from 'nestjs-pino';

/**
 * Structured JSON logs (pino); readable lines when a person watches a terminal
 * (or LOG_FORMAT=pretty; LOG_FORMAT=json forces JSON). `app` names
 * the process in every line, so the logs of many consumers can be told apart.
 */
export function loggingModule(app: string, level: string) {
  const format = process.env['LOG_FORMAT'];
  const pretty = format === 'pretty' || (format !== 'json' && process.stdout.isTTY);
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { app, pid: process.pid },
      autoLogging: false,
      transport: pretty ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } : undefined,
    },
  });
}
