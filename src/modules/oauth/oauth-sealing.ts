import type { SecretBox } from '../../core/secrets';

/** Sealing of what Tessera holds for providers and tokens: every value bound to its row and field, so ciphertexts cannot be swapped. */
export class OAuthSealer {
  constructor(private readonly box: SecretBox) {}

  seal(id: string, field: string, value: string): string {
    return this.box.encrypt(value, `${id}/${field}`);
  }

  unseal(id: string, field: string, sealed: string): string {
    return this.box.decrypt(sealed, `${id}/${field}`);
  }
}
