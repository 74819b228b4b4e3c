import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI document at /docs-json and its viewer at /docs. */
export function setupOpenApi(app: INestApplication, publicUrl: string): void {
  const config = new DocumentBuilder()
    .setTitle('Federation Hub')
    .setDescription(
      'Discovery hub for federated chat servers. Registrations are confirmed by the domain\'s webmaster through an ' +
        'emailed link; lookups answer confirmed peers only, each answer signed by the hub (see /.well-known/jwks.json). ' +
        'Every error is JSON `{statusCode, error, message}` with the message naming the field and the rule.',
    )
    .setVersion('1')
    .addServer(publicUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json' });
}
