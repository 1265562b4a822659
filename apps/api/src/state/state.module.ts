import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { StateController } from './state.controller';
import { StateService } from './state.service';

@Module({ imports: [FilesModule], controllers: [StateController], providers: [StateService] })
export class StateModule {}
