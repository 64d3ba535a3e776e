// Session 15: self time by function of a --cpu-prof profile between two offsets (s): node s15-profile-self.cjs F.cpuprofile FROM TO
const fs=require('fs');const [file,from,to]=[process.argv[2],+process.argv[3],+process.argv[4]];
const p=JSON.parse(fs.readFileSync(file));const src=fs.readFileSync(process.env.BUNDLE || 'dist/main.bundle.js','utf8').split('\n');
const byId=new Map(p.nodes.map(n=>[n.id,n]));let t=0,total=0;const self=new Map();
for(let i=0;i<p.samples.length;i++){t+=p.timeDeltas[i];const s=t/1e6;if(s<from||s>to)continue;total++;const c=byId.get(p.samples[i]).callFrame;const k=c.functionName+'|'+c.url+'|'+c.lineNumber+'|'+c.columnNumber;self.set(k,(self.get(k)||0)+1);}
for(const [k,v] of [...self].sort((a,b)=>b[1]-a[1]).slice(0,+process.env.TOP||40)){const [fn,url,l,c]=k.split('|');const snip=url.includes('main.bundle')?src[+l].slice(+c,+c+110):url.split('/').slice(-1)[0]+':'+l;console.log((100*v/total).toFixed(1).padStart(5)+'% '+(fn||'(anon)').padEnd(22)+snip);}
