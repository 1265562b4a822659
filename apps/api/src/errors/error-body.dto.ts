import { ApiProperty } from '@nestjs/swagger';

/** The body of every error answer. */
export class ErrorBodyDto {
  @ApiProperty({ example: 'file_not_found', description: 'A stable code: invalid_parameter, file_not_found, block_not_processed_yet, block_beyond_end, file_stopped, state_changed, store_unavailable (503), shutting_down (503: the API is stopping; send the request again), not_found, internal_error' })
  error!: string;

  @ApiProperty({ example: 'no file named "nope.json" has been ingested' })
  message!: string;
}
