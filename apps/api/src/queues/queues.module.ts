import { QUEUE_NAMES } from '@bqm/store';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { DynamicModule, Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { ApiConfig } from '../api.config';
import { basicAuth } from './basic-auth';

/** Where the dashboard is served (its page, its static assets under `static/`, and its JSON under `api/`). */
export const BOARD_ROUTE = '/queues';

const noAuth = (_req: Request, _res: Response, next: NextFunction) => next();

/**
 * The queue dashboard (bull-board) at /queues: every queue of the system (`QUEUE_NAMES`), with its
 * job counts and jobs. Read-only unless BOARD_READ_ONLY=false (bull-board then offers retry, clean,
 * promote…; in read-only mode its API also refuses them, 405). Behind HTTP basic auth when
 * BOARD_USER and BOARD_PASSWORD are set. The queues are the ones `QueueModule` registers, so the
 * board reads the same Redis and key prefix as the apps.
 */
@Module({})
export class QueuesModule {
  static forRoot(config: Pick<ApiConfig, 'BOARD_READ_ONLY' | 'BOARD_USER' | 'BOARD_PASSWORD'>): DynamicModule {
    const auth = config.BOARD_USER ? basicAuth({ user: config.BOARD_USER, password: config.BOARD_PASSWORD }, 'queues') : noAuth;
    return {
      module: QueuesModule,
      imports: [
        BullBoardModule.forRoot({
          route: BOARD_ROUTE,
          adapter: ExpressAdapter,
          middleware: auth,
          boardOptions: { uiConfig: { boardTitle: 'Block Queue Manager' } },
        }),
        BullBoardModule.forFeature(
          ...QUEUE_NAMES.map((name) => ({ name, adapter: BullMQAdapter, options: { readOnlyMode: config.BOARD_READ_ONLY } })),
        ),
      ],
    };
  }
}
