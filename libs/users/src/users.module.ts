import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsConfig } from '@app/config';
import { BcryptPool } from './bcrypt-pool.js';
import { PasswordHasher } from './password-hasher.js';
import { User } from './user.entity.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  // BcryptPool takes options (for tests), not injectables: Nest gets it from a factory.
  providers: [
    {
      provide: BcryptPool,
      inject: [AccountsConfig],
      useFactory: (accounts: AccountsConfig) => new BcryptPool({ threads: accounts.bcryptWorkers }),
    },
    UsersRepository,
    UsersService,
    PasswordHasher,
  ],
  exports: [UsersRepository, UsersService, PasswordHasher],
})
export class UsersModule {}
