import { IsOptional, IsString, Matches } from 'class-validator';

const MESSAGE_ID = /^msg_[0-9a-f]{12}[0-9A-Za-z]{14}$/;
const PART_ID = /^prt_[0-9a-f]{12}[0-9A-Za-z]{14}$/;

export class RevertDto {
  @IsString() @Matches(MESSAGE_ID, { message: 'messageID must be a message id (msg_…)' }) messageID!: string;
  @IsOptional() @IsString() @Matches(PART_ID, { message: 'partID must be a part id (prt_…)' }) partID?: string;
}
