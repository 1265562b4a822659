import { ApiProperty } from '@nestjs/swagger';

export class OperatorDto {
  @ApiProperty({ example: 1 }) operatorId!: number;
  @ApiProperty({ example: '0x1111111111111111111111111111111111111111' }) owner!: string;
  @ApiProperty({ example: 'LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0tCk9QMQ==' }) publicKey!: string;
  @ApiProperty({ example: '382000000000', description: 'uint256 as a decimal string' }) fee!: string;
  @ApiProperty({ example: null, nullable: true, type: String }) declaredFee!: string | null;
  @ApiProperty({ example: false }) isPrivate!: boolean;
  @ApiProperty({ example: 1 }) validatorCount!: number;
  @ApiProperty({ example: false }) removed!: boolean;
  @ApiProperty({ example: 2 }) lastUpdateBlock!: number;
}

export class ValidatorDto {
  @ApiProperty({ example: '0xaaaa…' }) publicKey!: string;
  @ApiProperty({ example: '0xabcdef0123456789abcdef0123456789abcdef01' }) owner!: string;
  @ApiProperty({ example: [1, 2, 3, 4], type: [Number] }) operatorIds!: number[];
  @ApiProperty({ example: '0xabcdef0123456789abcdef0123456789abcdef01-1-2-3-4' }) clusterId!: string;
  @ApiProperty({ enum: ['active', 'exited', 'liquidated'] }) status!: string;
  @ApiProperty({ example: false }) removed!: boolean;
  @ApiProperty({ example: 2 }) lastUpdateBlock!: number;
}

export class ClusterDto {
  @ApiProperty({ example: '0xabcdef0123456789abcdef0123456789abcdef01-1-2-3-4' }) clusterId!: string;
  @ApiProperty({ example: '0xabcdef0123456789abcdef0123456789abcdef01' }) owner!: string;
  @ApiProperty({ example: [1, 2, 3, 4], type: [Number] }) operatorIds!: number[];
  @ApiProperty({ example: 1 }) validatorCount!: number;
  @ApiProperty({ example: true }) active!: boolean;
  @ApiProperty({ example: '5000000000000000000', nullable: true, type: String }) balance!: string | null;
  @ApiProperty({ example: 2 }) lastUpdateBlock!: number;
}

export class AccountDto {
  @ApiProperty({ example: '0xabcdef0123456789abcdef0123456789abcdef01' }) owner!: string;
  @ApiProperty({ example: '0xabcdef0123456789abcdef0123456789abcdef01' }) feeRecipient!: string;
  @ApiProperty({ example: 2 }) nonce!: number;
  @ApiProperty({ example: 1 }) validatorCount!: number;
}

export class StateResponseDto {
  @ApiProperty({ example: 'blocks.json' }) fileName!: string;
  @ApiProperty({ example: 2, description: 'The block the state is as of (latest resolved)' }) blockNumber!: number;
  @ApiProperty({ example: 9, nullable: true, type: Number }) processedThrough!: number | null;
  @ApiProperty({ type: [OperatorDto] }) operators!: OperatorDto[];
  @ApiProperty({ type: [ValidatorDto] }) validators!: ValidatorDto[];
  @ApiProperty({ type: [ClusterDto] }) clusters!: ClusterDto[];
  @ApiProperty({ type: [AccountDto] }) accounts!: AccountDto[];
}
