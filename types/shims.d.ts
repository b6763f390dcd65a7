// These packages ship no type declarations; callers wrap them behind typed functions.
declare module "snarkjs";
declare module "ffjavascript";
declare module "circomlibjs";
declare module "r1csfile";
declare module "circom2";
