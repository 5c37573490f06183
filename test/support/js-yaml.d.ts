// js-yaml 4 ships no typings; it is installed with @pulumi/pulumi (its own dependency), which is
// the only reason it is used here: to read Pulumi.<stack>.yaml as Pulumi does. Just what we call.
declare module "js-yaml" {
  export function load(text: string): unknown;
}
