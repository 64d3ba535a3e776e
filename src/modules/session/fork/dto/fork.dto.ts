import { IsOptional, IsString, Matches } from 'class-validator';

export class ForkDto {
  /** Copy the messages before this one; all of them when omitted. */
  @IsOptional()
  @IsString()
  @Matches(/^msg_[0-9a-f]{12}[0-9A-Za-z]{14}$/, { message: 'messageID must be a message id (msg_…)' })
  messageID?: string;
}
