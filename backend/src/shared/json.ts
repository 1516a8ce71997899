/** JSON value types used at boundaries where we keep raw documents. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
