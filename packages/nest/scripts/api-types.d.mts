/** Where the generated types live. */
export declare const API_TYPES_FILE: URL;
/** The TypeScript source of the types of an OpenAPI document (an object, as parsed from /docs-json). */
export declare function generateApiTypes(document: unknown): Promise<string>;
