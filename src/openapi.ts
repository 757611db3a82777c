// @fastify/swagger marks every request body it documents as required, while the session routes
// take an optional one ("no body" means "no options"). Give this to @fastify/swagger's
// `transformObject` and Swagger UI shows the body as optional.

/** The operations whose body is optional. */
const OPTIONAL_BODIES = new Set(['incodeStartSession', 'incodeStartOnboardingUrl'])

interface Operation { operationId?: unknown, requestBody?: { required?: boolean } }

/** Marks the plugin's optional request bodies as such in an OpenAPI 3 document, in place. */
export function incodeOpenApi<Document extends object> (document: Document): Document {
  const paths = (document as { paths?: Record<string, Record<string, Operation>> }).paths ?? {}
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item))) {
    if (OPTIONAL_BODIES.has(String(operation.operationId)) && operation.requestBody !== undefined) operation.requestBody.required = false
  }
  return document
}
