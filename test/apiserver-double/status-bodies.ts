// metav1.Status bodies shaped like k8s.io/apimachinery/pkg/api/errors/errors.go produces them.
export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  causes?: {reason?: string; message: string; field?: string}[]
  retryAfterSeconds?: number
}

export interface StatusBody {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: {continue?: string}
  status: 'Failure'
  message: string
  reason: string
  details?: StatusDetails
  code: number
}

export function statusBody(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): StatusBody {
  const body: StatusBody = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  }
  if (details) body.details = details
  return body
}

const reasonByCode: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'AlreadyExists',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
}

export const reasonForCode = (code: number): string => reasonByCode[code] ?? 'Unknown'

// apierrors.NewNotFound: `<resource>[.<group>] "<name>" not found`.
export function notFound(resource: string, group: string, name: string): StatusBody {
  const qualified = group ? `${resource}.${group}` : resource
  return statusBody(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? {group} : {}),
    kind: resource,
  })
}

export function alreadyExists(resource: string, group: string, name: string): StatusBody {
  const qualified = group ? `${resource}.${group}` : resource
  return statusBody(409, 'AlreadyExists', `${qualified} "${name}" already exists`, {
    name,
    ...(group ? {group} : {}),
    kind: resource,
  })
}

// apierrors.NewForbidden with the RBAC authorizer's wording.
export function forbidden(
  user: string,
  verb: string,
  resource: string,
  group: string,
  namespace: string | undefined,
  name?: string,
): StatusBody {
  const qualified = group ? `${resource}.${group}` : resource
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope'
  const subject = name ? `${qualified} "${name}" is forbidden` : `${qualified} is forbidden`
  return statusBody(
    403,
    'Forbidden',
    `${subject}: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`,
    {...(name ? {name} : {}), ...(group ? {group} : {}), kind: resource},
  )
}

export const unauthorized = (): StatusBody => statusBody(401, 'Unauthorized', 'Unauthorized')

export const internalError = (message: string): StatusBody =>
  statusBody(500, 'InternalError', `Internal error occurred: ${message}`, {causes: [{message}]})

// apiserver/pkg/storage/errors.go + etcd3 store: the "too old" continue message.
export const expiredContinueMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.'

export function defaultFaultBody(code: number, message: string | undefined): StatusBody {
  const reason = reasonForCode(code)
  const text =
    message ??
    {
      401: 'Unauthorized',
      403: 'forbidden: User "kubectl-inject-test" cannot perform this request',
      404: 'the server could not find the requested resource',
      410: expiredContinueMessage,
      429: 'Too many requests, please try again later.',
      500: 'Internal error occurred: injected fault',
      503: 'the server is currently unable to handle the request',
    }[code] ??
    reason
  const details = code === 429 ? {retryAfterSeconds: 1} : undefined
  return statusBody(code, reason, text, details)
}
