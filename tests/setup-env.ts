// Every date the product shows is in Asia/Shanghai; tests run in it too so a CI machine in UTC
// sees what a student sees.
process.env.TZ = 'Asia/Shanghai';
