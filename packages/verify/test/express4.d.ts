// express4 is Express 4 installed under another name, to test the middleware in both majors.
declare module "express4" {
  import express from "express";
  export default express;
}
