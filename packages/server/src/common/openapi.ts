import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { HubIdentity } from './page-layout.js';

/** OpenAPI document at /docs-json and its viewer at /docs; its info names the hub (HUB_NAME) and its operator. */
export function setupOpenApi(app: INestApplication, hub: HubIdentity): void {
  const publicUrl = hub.publicUrl;
  const contact = hub.operatorContact;
  const isUrl = /^https?:\/\//.test(contact);
  const address = /<([^>]+)>/.exec(contact)?.[1] ?? contact;
  const config = new DocumentBuilder()
    .setTitle(hub.name)
    .setDescription(
      'Discovery hub for federated chat servers. Registrations are confirmed by the domain\'s webmaster through an ' +
        'emailed link; lookups answer confirmed peers only, each answer signed by the hub (see /.well-known/jwks.json). ' +
        'Every error is JSON `{statusCode, error, message}` with the message naming the field and the rule.',
    )
    .setVersion('1')
    .addServer(publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin')
    .build();
  config.info.contact = { name: `Operator of ${hub.name}`, ...(isUrl ? { url: contact } : { email: address }) };
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json' });
}
